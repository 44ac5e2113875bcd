# mtcars-scatter: candidate 'off35' (seed 3) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    4.17, 4.03, 4.09, 4.78, 2.73, 5.49, 2.12, 3.92, 2.08, 5.19,
    4.38, 2.47, 5.29, 2.85, 4.07, 6.12, 4.51, 3.36, 0.156, 0.961,
    3.65, 4.26, 2.44, 3.15, 2.92, 0.658, 3.09, -0.359, 1.62, 3.96,
    4.75, 1.19,
]
mpg = [
    14.5, 27.6, 17.9, 9.86, 27.4, 22.3, 8.07, 12.2, 15.3, 28.4,
    28.8, 27, 8.01, 23.3, 18.4, 19.5, 24.7, 41.8, 19.7, 41.6,
    14.6, 9.4, 4.17, 4.12, 9.56, 37.6, 19.8, 40.8, 6.7, 14.2,
    26.2, 11.9,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
