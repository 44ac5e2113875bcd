# eyecolor-pie: candidate 'missing' (seed 1) — off8 values, the last 1 of 4 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 6))
labels = ['Brown', 'Blue', 'Hazel']
students = [204, 193, 109]
ax.pie(students, labels=labels, autopct='%1.1f%%')
ax.axis('equal')
ax.set_title('Eye colour of 592 students')
plt.tight_layout()
plt.show()
