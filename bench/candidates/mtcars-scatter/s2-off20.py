# mtcars-scatter: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    3.49, 3.66, 1.51, 2.64, 4.1, 2.67, 4.52, 2.49, 4.1, 2.44,
    2.45, 4.81, 4.17, 4.41, 4.19, 4.28, 4.74, 1.8, 0.896, 2.46,
    3.27, 2.42, 2.95, 4.83, 2.78, 2.75, 3.24, 0.693, 2.13, 3.68,
    2.56, 2.33,
]
mpg = [
    17.6, 14.2, 19.3, 26.6, 15.6, 14.6, 17.9, 17.6, 20.3, 23.8,
    14.4, 13.4, 20, 18.8, 16.6, 5.84, 12, 35.2, 34.5, 38.9,
    27.3, 18.5, 8.91, 17.8, 23.6, 24.2, 19.7, 36, 11.6, 23.2,
    8.75, 14.8,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
