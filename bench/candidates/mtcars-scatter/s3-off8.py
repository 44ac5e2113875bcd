# mtcars-scatter: candidate 'off8' (seed 3) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    2.81, 2.47, 2.15, 2.91, 3.2, 3.74, 3.99, 3.64, 3.53, 3.26,
    3.17, 3.85, 3.91, 3.61, 4.86, 5.79, 5.78, 2.66, 1.81, 2.09,
    2.84, 3.78, 3.65, 4.26, 3.63, 1.76, 2.49, 1.16, 2.8, 3.06,
    3.93, 2.6,
]
mpg = [
    18.3, 22.3, 24.8, 19.4, 19.7, 15.7, 15.5, 25.3, 24.3, 16.5,
    19.1, 17.5, 15.8, 13.5, 12.9, 12, 15.7, 34.5, 32.2, 35.5,
    23.7, 18.2, 12.5, 14.3, 21.4, 29.8, 27.7, 28.2, 17.5, 17.6,
    13.3, 24,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
